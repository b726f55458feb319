package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// UserState is the state of a user account.
type UserState string

const (
	// UserActive users may log in.
	UserActive UserState = "Active"
	// UserDisabled users may not log in; their sessions end.
	UserDisabled UserState = "Disabled"
	// UserAuthLimitExceeded users failed to log in too often and are locked
	// out until the lockout window passes.
	UserAuthLimitExceeded UserState = "AuthLimitExceeded"
)

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// User is a KubeSphere user account.
type User struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec is the account as its owner and administrators set it.
	Spec UserSpec `json:"spec"`
	// Status is maintained by the server.
	// +optional
	Status UserStatus `json:"status,omitempty"`
}

// UserSpec is the account as its owner and administrators set it.
type UserSpec struct {
	// Email is the unique email address of the user.
	Email string `json:"email"`
	// Lang is the preferred language of the user interface.
	// +optional
	Lang string `json:"lang,omitempty"`
	// Description is free text about the user.
	// +optional
	Description string `json:"description,omitempty"`
	// DisplayName is the name shown for the user.
	// +optional
	DisplayName string `json:"displayName,omitempty"`
	// Groups the user belongs to.
	// +optional
	// +listType=set
	Groups []string `json:"groups,omitempty"`
	// EncryptedPassword is the bcrypt hash of the password. A plaintext value
	// written here is replaced by its hash by the server. It is never served by
	// resources.kubesphere.io.
	// +optional
	EncryptedPassword string `json:"password,omitempty"`
}

// UserStatus is maintained by the server.
// +protobuf=true
type UserStatus struct {
	// State of the account; Active when unset.
	// +optional
	State UserState `json:"state,omitempty" protobuf:"bytes,1,opt,name=state,casttype=UserState"`
	// Reason is a human-readable explanation of the state.
	// +optional
	Reason string `json:"reason,omitempty" protobuf:"bytes,2,opt,name=reason"`
	// LastTransitionTime is when the state last changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty" protobuf:"bytes,3,opt,name=lastTransitionTime"`
	// LastLoginTime is when the user last logged in successfully.
	// +optional
	LastLoginTime *metav1.Time `json:"lastLoginTime,omitempty" protobuf:"bytes,4,opt,name=lastLoginTime"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// UserList is a list of Users.
type UserList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items is the list of users.
	Items []User `json:"items"`
}
